namespace Discovery.ClientFactory.Picking;

/// <summary>Every picker name the process knows: the built-ins and those added with <c>AddDiscoveryPicker</c>.</summary>
internal sealed class PickerRegistry
{
    private readonly Dictionary<string, PickerDefinition> _pickers = new(StringComparer.OrdinalIgnoreCase);

    public PickerRegistry(IEnumerable<PickerDefinition> added)
    {
        foreach (var definition in BuiltIns())
        {
            _pickers[definition.Name] = definition;
        }

        foreach (var definition in added)
        {
            if (!_pickers.TryAdd(definition.Name, definition))
            {
                throw new InvalidOperationException($"A picker named '{definition.Name}' is already registered.");
            }
        }
    }

    public IEnumerable<string> Names => _pickers.Keys.Order(StringComparer.Ordinal);

    public bool Contains(string name) => _pickers.ContainsKey(name);

    public PickerDefinition Get(string name) =>
        _pickers.TryGetValue(name, out var definition)
            ? definition
            : throw new InvalidOperationException($"No picker named '{name}'; known pickers: {string.Join(", ", Names)}.");

    public static IEnumerable<PickerDefinition> BuiltIns() =>
    [
        PickerDefinition.ForBuiltIn(DiscoveryPickers.RoundRobin, (e, s) => new RoundRobinPicker(e, s.Cursor)),
        PickerDefinition.ForBuiltIn(DiscoveryPickers.PickFirst, (e, _) => new PickFirstPicker(e)),
        PickerDefinition.ForBuiltIn(DiscoveryPickers.Random, (e, s) => new RandomPicker(e, s.Random)),
        PickerDefinition.ForLoadTracking(
            DiscoveryPickers.PowerOfTwoChoices,
            timesCalls: true,
            (e, s) => new PowerOfTwoChoicesPicker(e, s.Random, s.Options.P2cForcePickInterval)),
        PickerDefinition.ForLoadTracking(DiscoveryPickers.LeastRequest, timesCalls: false, (e, s) => new LeastRequestPicker(e, s.Random)),
        PickerDefinition.ForBuiltIn(DiscoveryPickers.WeightedRoundRobin, (e, s) => new WeightedRoundRobinPicker(e, s.Cursor)),
        PickerDefinition.ForBuiltIn(DiscoveryPickers.ConsistentHash, (e, s) => new ConsistentHashPicker(e, s.Random)),
    ];
}
