using System.Reflection;
using System.Reflection.Emit;

namespace Discovery.Testing;

/// <summary>
/// Which namespace of an assembly uses which, read from the compiled assembly: signatures, base types, attributes
/// and every type, method and field a method body names (compiler-generated closures and state machines included).
/// A using directive that is never used counts for nothing; a type reached through its parent namespace, which
/// needs no using directive, counts. So the graph is what the code really depends on.
/// </summary>
public sealed class NamespaceGraph
{
    private static readonly OpCode[] s_oneByte = new OpCode[0x100];
    private static readonly OpCode[] s_twoByte = new OpCode[0x100];

    static NamespaceGraph()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var code = (OpCode)field.GetValue(null)!;
            var value = (ushort)code.Value;
            if (value < 0x100)
            {
                s_oneByte[value] = code;
            }
            else if ((value & 0xff00) == 0xfe00)
            {
                s_twoByte[value & 0xff] = code;
            }
        }
    }

    private NamespaceGraph(IReadOnlyDictionary<string, IReadOnlySet<string>> edges) => Edges = edges;

    /// <summary>For each namespace of the assembly, the other namespaces (of the same prefix) it uses.</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> Edges { get; }

    /// <summary>Reads <paramref name="assembly"/>, keeping only namespaces that start with <paramref name="prefix"/>.</summary>
    public static NamespaceGraph Of(Assembly assembly, string prefix)
    {
        var edges = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            var from = type.Namespace;
            if (from is null || !from.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (!edges.TryGetValue(from, out var targets))
            {
                edges[from] = targets = new HashSet<string>(StringComparer.Ordinal);
            }

            foreach (var used in UsedTypes(type))
            {
                foreach (var ns in Namespaces(used))
                {
                    if (ns != from && ns.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        targets.Add(ns);
                    }
                }
            }
        }

        return new NamespaceGraph(edges.ToDictionary(e => e.Key, e => (IReadOnlySet<string>)e.Value, StringComparer.Ordinal));
    }

    /// <summary>Every cycle's namespaces, each as "a -> b -> a"; empty when the graph is acyclic.</summary>
    public IReadOnlyList<string> Cycles()
    {
        var cycles = new List<string>();
        foreach (var start in Edges.Keys.Order(StringComparer.Ordinal))
        {
            var path = new Stack<string>();
            Walk(start, start, path, new HashSet<string>(StringComparer.Ordinal), cycles);
        }

        return cycles.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The edges that break the layer order <paramref name="layers"/> (lowest first): a namespace may use only
    /// namespaces listed before it. Namespaces not in the list are reported as such.
    /// </summary>
    public IReadOnlyList<string> ViolationsOf(IReadOnlyList<string> layers)
    {
        var rank = layers.Select((ns, i) => (ns, i)).ToDictionary(p => p.ns, p => p.i, StringComparer.Ordinal);
        var violations = new List<string>();
        foreach (var (from, targets) in Edges.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!rank.TryGetValue(from, out var fromRank))
            {
                violations.Add($"{from} is not in the layer list");
                continue;
            }

            foreach (var to in targets.Order(StringComparer.Ordinal))
            {
                if (!rank.TryGetValue(to, out var toRank))
                {
                    violations.Add($"{to} (used by {from}) is not in the layer list");
                }
                else if (toRank >= fromRank)
                {
                    violations.Add($"{from} uses {to}, which is not below it");
                }
            }
        }

        return violations;
    }

    private void Walk(string start, string current, Stack<string> path, HashSet<string> seen, List<string> cycles)
    {
        path.Push(current);
        seen.Add(current);
        foreach (var next in Edges.GetValueOrDefault(current) ?? new HashSet<string>())
        {
            if (next == start)
            {
                cycles.Add(string.Join(" -> ", path.Reverse().Append(start)));
            }
            else if (!seen.Contains(next) && string.CompareOrdinal(next, start) > 0)
            {
                // Only cycles whose smallest member is the start are reported, so each appears once.
                Walk(start, next, path, seen, cycles);
            }
        }

        path.Pop();
    }

    private static IEnumerable<string> Namespaces(Type type)
    {
        if (type.HasElementType)
        {
            foreach (var ns in Namespaces(type.GetElementType()!))
            {
                yield return ns;
            }

            yield break;
        }

        if (type.IsGenericParameter)
        {
            yield break;
        }

        if (type.Namespace is { } own)
        {
            yield return own;
        }

        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments())
            {
                foreach (var ns in Namespaces(argument))
                {
                    yield return ns;
                }
            }
        }
    }

    private static IEnumerable<Type> UsedTypes(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.BaseType is { } baseType)
        {
            yield return baseType;
        }

        foreach (var implemented in type.GetInterfaces())
        {
            yield return implemented;
        }

        foreach (var attribute in type.CustomAttributes)
        {
            yield return attribute.AttributeType;
        }

        foreach (var field in type.GetFields(all))
        {
            yield return field.FieldType;
        }

        foreach (var property in type.GetProperties(all))
        {
            yield return property.PropertyType;
        }

        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method is MethodInfo info)
            {
                yield return info.ReturnType;
            }

            foreach (var parameter in method.GetParameters())
            {
                yield return parameter.ParameterType;
            }

            foreach (var used in BodyTypes(method))
            {
                yield return used;
            }
        }
    }

    private static IEnumerable<Type> BodyTypes(MethodBase method)
    {
        var body = method.GetMethodBody();
        var il = body?.GetILAsByteArray();
        if (body is null || il is null)
        {
            yield break;
        }

        foreach (var local in body.LocalVariables)
        {
            yield return local.LocalType;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var position = 0;
        while (position < il.Length)
        {
            var code = il[position] == 0xfe ? s_twoByte[il[++position]] : s_oneByte[il[position]];
            position++;
            switch (code.OperandType)
            {
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineTok:
                case OperandType.InlineType:
                    var token = BitConverter.ToInt32(il, position);
                    foreach (var used in Resolve(method.Module, token, typeArguments, methodArguments))
                    {
                        yield return used;
                    }

                    position += 4;
                    break;
                case OperandType.InlineSwitch:
                    position += 4 + (4 * BitConverter.ToInt32(il, position));
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    position += 8;
                    break;
                case OperandType.InlineVar:
                    position += 2;
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    position += 1;
                    break;
                case OperandType.InlineNone:
                    break;
                default:
                    position += 4;
                    break;
            }
        }
    }

    private static Type[] Resolve(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        MemberInfo? member;
        try
        {
            member = module.ResolveMember(token, typeArguments, methodArguments);
        }
        catch (ArgumentException)
        {
            // A token that needs a generic context this method does not give (rare in compiled C#): nothing to add.
            return [];
        }

        return member switch
        {
            Type type => [type],
            MethodInfo { IsGenericMethod: true } generic => [generic.DeclaringType!, .. generic.GetGenericArguments()],
            { DeclaringType: { } declaring } => [declaring],
            _ => [],
        };
    }
}
