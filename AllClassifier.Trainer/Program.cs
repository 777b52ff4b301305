using AllClassifier.Trainer.Commands;
using AllClassifier.Trainer.Pipeline;
using Microsoft.Extensions.DependencyInjection;

var services = new ServiceCollection().AddTrainerPipeline();
return await TrainerCli.Create(services).RunAsync(args);
