namespace Discovery.Testing;
