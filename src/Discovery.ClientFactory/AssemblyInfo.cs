namespace Discovery.ClientFactory;
