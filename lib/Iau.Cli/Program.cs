return Iau.Cli.CliApp.Run(args);
