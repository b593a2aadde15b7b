return await Discovery.Cli.CliApplication.RunAsync(args).ConfigureAwait(false);
