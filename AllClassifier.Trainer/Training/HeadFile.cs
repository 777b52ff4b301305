using System.Text.Json;
using System.Text.Json.Serialization;
using AllClassifier.Training.Heads;

namespace AllClassifier.Trainer.Training;

/// <summary>The trained head as JSON (<c>head.json</c>), kept in the run and beside each registered model.</summary>
public static class HeadFile
{
    public const string FileName = "head.json";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static void Save(string path, ClassifierHead head) =>
        File.WriteAllText(path, JsonSerializer.Serialize(head, Options));

    public static ClassifierHead Load(string path)
    {
        var head = JsonSerializer.Deserialize<ClassifierHead>(File.ReadAllText(path), Options)
            ?? throw new InvalidDataException($"'{path}' holds no head.");
        head.Validate();
        return head;
    }
}
