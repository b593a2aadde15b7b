using System.Buffers;
using System.Text;

namespace Discovery.ClientFactory.Picking;

/// <summary>
/// The hash of the consistent-hash ring, fixed so placement never changes between versions or processes:
/// 64-bit FNV-1a over the UTF-8 bytes of the text, then MurmurHash3's 64-bit finalizer to spread FNV's weak low bits.
/// </summary>
internal static class StableHash
{
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;
    private const int StackLimit = 256;

    public static ulong Of(ReadOnlySpan<char> text)
    {
        // ASCII text is its own UTF-8: hash the chars directly and skip the encoding (the common case for keys).
        var hash = FnvOffset;
        foreach (var c in text)
        {
            if (c >= 0x80)
            {
                return OfEncoded(text);
            }

            hash = (hash ^ c) * FnvPrime;
        }

        return Finalize(hash);
    }

    private static ulong OfEncoded(ReadOnlySpan<char> text)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        var buffer = maxBytes <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            return Finalize(Fnv1a(buffer[..length]));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static ulong Fnv1a(ReadOnlySpan<byte> bytes)
    {
        var hash = FnvOffset;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * FnvPrime;
        }

        return hash;
    }

    private static ulong Finalize(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccd;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53;
        h ^= h >> 33;
        return h;
    }
}
