using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Discovery.Packaging.Tests;

/// <summary>
/// A shipping assembly read from the bytes in its package, as metadata (never loaded, so the test's own copies of
/// Discovery.* assemblies cannot be confused with the shipped ones).
/// </summary>
internal sealed class ShippedAssembly
{
    private ShippedAssembly(string name, IReadOnlyList<string> internalsVisibleTo, IReadOnlyList<string> publicTypes, IReadOnlyList<string> staticClassMethods)
    {
        Name = name;
        InternalsVisibleTo = internalsVisibleTo;
        PublicTypes = publicTypes;
        StaticClassMethods = staticClassMethods;
    }

    /// <summary>The assembly's simple name.</summary>
    public string Name { get; }

    /// <summary>The assemblies its <c>InternalsVisibleToAttribute</c>s name (the public key, if any, cut off).</summary>
    public IReadOnlyList<string> InternalsVisibleTo { get; }

    /// <summary>The simple names of its public top-level types.</summary>
    public IReadOnlyList<string> PublicTypes { get; }

    /// <summary>The public methods of its public static classes: the <c>Add…</c> and <c>Use…</c> extension methods.</summary>
    public IReadOnlyList<string> StaticClassMethods { get; }

    /// <summary>Reads the assembly <c>lib/net10.0/{id}.dll</c> of a package (<c>tools/net10.0/any/{id}.dll</c> of a tool).</summary>
    public static ShippedAssembly Of(PackedPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        using var pe = new PEReader(ImmutableArray.Create(package.Read($"{package.AssemblyFolder}/{package.Id}.dll")));
        var reader = pe.GetMetadataReader();

        var grants = new List<string>();
        foreach (var handle in reader.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = reader.GetCustomAttribute(handle);
            if (AttributeTypeName(reader, attribute) != "System.Runtime.CompilerServices.InternalsVisibleToAttribute")
            {
                continue;
            }

            // The blob: prolog 0x0001, then the one string argument ("Name" or "Name, PublicKey=...").
            var blob = reader.GetBlobReader(attribute.Value);
            _ = blob.ReadUInt16();
            grants.Add(blob.ReadSerializedString()!.Split(',')[0].Trim());
        }

        var types = new List<string>();
        var methods = new List<string>();
        foreach (var handle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(handle);
            if ((type.Attributes & TypeAttributes.VisibilityMask) != TypeAttributes.Public)
            {
                continue;
            }

            var name = reader.GetString(type.Name);
            types.Add(name.Split('`')[0]);
            if ((type.Attributes & (TypeAttributes.Abstract | TypeAttributes.Sealed)) == (TypeAttributes.Abstract | TypeAttributes.Sealed))
            {
                methods.AddRange(
                    from methodHandle in type.GetMethods()
                    let method = reader.GetMethodDefinition(methodHandle)
                    where (method.Attributes & MethodAttributes.MemberAccessMask) == MethodAttributes.Public
                        && (method.Attributes & MethodAttributes.SpecialName) == 0
                    select reader.GetString(method.Name));
            }
        }

        return new ShippedAssembly(
            reader.GetString(reader.GetAssemblyDefinition().Name),
            grants,
            [.. types.Distinct(StringComparer.Ordinal)],
            [.. methods.Distinct(StringComparer.Ordinal)]);
    }

    private static string AttributeTypeName(MetadataReader reader, CustomAttribute attribute)
    {
        var type = attribute.Constructor.Kind switch
        {
            HandleKind.MemberReference => reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent,
            HandleKind.MethodDefinition => reader.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType(),
            _ => default(EntityHandle),
        };
        if (type.Kind == HandleKind.TypeReference)
        {
            var reference = reader.GetTypeReference((TypeReferenceHandle)type);
            return $"{reader.GetString(reference.Namespace)}.{reader.GetString(reference.Name)}";
        }

        if (type.Kind == HandleKind.TypeDefinition)
        {
            var definition = reader.GetTypeDefinition((TypeDefinitionHandle)type);
            return $"{reader.GetString(definition.Namespace)}.{reader.GetString(definition.Name)}";
        }

        return string.Empty;
    }
}
