using AllClassifier.Fuzz;
using SharpFuzz;

// fuzz (default): the AFL target, started by afl-fuzz; seeds DIR: write the seed corpus; replay FILE...: run inputs.
switch (args)
{
    case ["seeds", var directory]:
        Console.WriteLine($"{SeedCorpus.Write(directory)} seeds written to {directory}");
        break;
    case ["replay", .. var files]:
        var replayed = new UploadPath();
        foreach (var file in files)
        {
            Console.WriteLine($"{file}: {replayed.Run(File.ReadAllBytes(file))}");
        }

        break;
    default:
        // Instrumented code may only run once the fuzzer has set up its coverage map, so nothing of the path is
        // constructed before the first input arrives.
        UploadPath? path = null;
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var body = new MemoryStream();
            stream.CopyTo(body);
            (path ??= new UploadPath()).Run(body.ToArray());
        });
        break;
}
