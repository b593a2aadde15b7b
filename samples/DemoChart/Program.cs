// Draws calls per second per instance over time, with the demo's events as labelled vertical lines:
//   dotnet DemoChart.dll --timeline calls.csv --events events.csv --out docs/demo-traffic.svg
// calls.csv is the EchoClient's --timeline output (unixSeconds,instance,calls); events.csv holds unixSeconds,label
// lines written by samples/demo.sh as it acts.
using DemoChart;

if (args.Length != 6 || args[0] != "--timeline" || args[2] != "--events" || args[4] != "--out")
{
    await Console.Error.WriteLineAsync("usage: DemoChart --timeline calls.csv --events events.csv --out chart.svg");
    return 2;
}

var timeline = await TimelineFile.ReadAsync(args[1]);
var events = await EventsFile.ReadAsync(args[3]);
if (timeline.Count == 0)
{
    await Console.Error.WriteLineAsync($"error: {args[1]} holds no calls");
    return 1;
}

TrafficChart.Save(timeline, events, args[5]);
Console.WriteLine($"chart: {args[5]} ({timeline.Select(p => p.Instance).Distinct().Count()} instances, {events.Count} events)");
return 0;
