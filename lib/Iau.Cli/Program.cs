Iau.Cli.Infrastructure.GuardedExec.Ensure(args);
return Iau.Cli.CliApp.Run(args);
