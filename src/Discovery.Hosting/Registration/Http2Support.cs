namespace Discovery.Hosting.Registration;

/// <summary>What <see cref="Http2Probe"/> learned about one bound endpoint.</summary>
internal enum Http2Support
{
    /// <summary>The probe could not tell (no answer, an answer it does not know, a failed TLS handshake): the endpoint stays registered.</summary>
    Unknown,

    /// <summary>The endpoint answered in HTTP/2: plaintext with a SETTINGS frame, TLS by choosing <c>h2</c> in ALPN.</summary>
    Http2,

    /// <summary>The endpoint proved it speaks only HTTP/1.x, so every gRPC call to it would fail: it is not registered.</summary>
    Http1Only,
}
