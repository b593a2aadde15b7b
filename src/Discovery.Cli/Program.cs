return await Discovery.Cli.Commands.DiscoveryCommandLine.RunAsync(args).ConfigureAwait(false);
