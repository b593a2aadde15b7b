using System.Collections.Concurrent;
using System.Diagnostics;
using Discovery.Etcd;

namespace Discovery.Testing;

/// <summary>
/// Records the spans Discovery ends on its activity source (<see cref="DiscoveryTelemetry.ActivitySourceName"/>), in
/// every package, for one service: tests run in parallel, so each filters on a service name of its own.
/// </summary>
public sealed class ActivityRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();

    public ActivityRecorder(string service)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == DiscoveryTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if ((activity.GetTagItem(TelemetryAttributes.Service) as string) == service)
                {
                    _stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Every span of the service ended so far, oldest first.</summary>
    public IReadOnlyList<Activity> Stopped => [.. _stopped];

    /// <summary>The ended spans named <paramref name="name"/>.</summary>
    public IReadOnlyList<Activity> Named(string name) => [.. _stopped.Where(a => a.OperationName == name)];

    public void Dispose() => _listener.Dispose();
}
