namespace AllClassifier.Model.Tests.Architecture;

/// <summary>The rules of the intended house, checked from the csproj files: who may reference whom, and what.</summary>
public sealed class ArchitectureRulesTests
{
    private const string Api = "AllClassifier.Api";
    private const string Trainer = "AllClassifier.Trainer";
    private const string Web = "AllClassifier.Web";
    private const string Model = "AllClassifier.Model";
    private const string Feedback = "AllClassifier.Feedback";
    private const string Mlflow = "AllClassifier.Mlflow";
    private const string Training = "AllClassifier.Training";
    private const string ServiceDefaults = "AllClassifier.ServiceDefaults";
    private const string AppHost = "AllClassifier.AppHost";

    private readonly ProjectGraph _graph = ProjectGraph.Load();

    [Fact]
    public void Every_project_of_the_house_is_found()
    {
        Assert.Equal(
            [Api, AppHost, Feedback, Mlflow, Model, ServiceDefaults, Trainer, Training, Web],
            _graph.Names.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(Api, new[] { Model, Feedback, Mlflow, ServiceDefaults })]
    [InlineData(Trainer, new[] { Model, Feedback, Training, Mlflow, ServiceDefaults })]
    [InlineData(Feedback, new[] { Model })]
    [InlineData(Web, new[] { ServiceDefaults })]
    [InlineData(Training, new[] { Model })]
    [InlineData(Model, new string[0])]
    [InlineData(Mlflow, new string[0])]
    [InlineData(ServiceDefaults, new string[0])]
    public void A_project_references_only_what_it_may(string project, string[] allowed)
    {
        Assert.Subset(allowed.ToHashSet(), _graph[project].ProjectReferences.ToHashSet());
    }

    [Fact]
    public void Services_meet_only_through_disk_mlflow_and_http()
    {
        Assert.DoesNotContain(Trainer, _graph.Closure(Api));
        Assert.DoesNotContain(Api, _graph.Closure(Trainer));
        Assert.DoesNotContain(Api, _graph.Closure(Web));
        Assert.DoesNotContain(Trainer, _graph.Closure(Web));
        Assert.DoesNotContain(Model, _graph.Closure(Web));
    }

    [Fact]
    public void The_api_carries_no_training_code_and_no_ml_net()
    {
        var closure = _graph.Closure(Api).Append(Api).ToList();

        Assert.DoesNotContain(Training, closure);
        Assert.All(closure, project => Assert.DoesNotContain(_graph[project].Packages, MlNetOrBackbone));
    }

    [Fact]
    public void Model_holds_only_the_shared_contract_without_aspnet_hosting_or_training()
    {
        var model = _graph[Model];

        Assert.Equal("Microsoft.NET.Sdk", model.Sdk);
        Assert.Empty(model.Frameworks);
        // Protobuf: serving edits the model's graph at load (the first convolution's form for this CPU, no unrequested
        // outputs), so the ONNX schema subset is part of the shared contract.
        Assert.Subset(
            new HashSet<string>
            {
                "Microsoft.ML.OnnxRuntime", "SixLabors.ImageSharp", "Microsoft.Data.Sqlite", "Google.Protobuf", "Grpc.Tools",
            },
            model.Packages.ToHashSet());
    }

    [Fact]
    public void The_feedback_module_is_the_table_and_its_two_stores_without_aspnet_or_training()
    {
        var feedback = _graph[Feedback];

        Assert.Equal("Microsoft.NET.Sdk", feedback.Sdk);
        Assert.Empty(feedback.Frameworks);
        Assert.Equal([Model], feedback.ProjectReferences.ToArray());
        Assert.Subset(
            new HashSet<string>
            {
                "Microsoft.Data.Sqlite", "Npgsql", "Microsoft.Extensions.Options", "Microsoft.Extensions.Options.ConfigurationExtensions",
            },
            feedback.Packages.ToHashSet());
    }

    [Fact]
    public void Api_and_trainer_share_the_feedback_module_instead_of_their_own_copies()
    {
        Assert.Contains(Feedback, _graph[Api].ProjectReferences);
        Assert.Contains(Feedback, _graph[Trainer].ProjectReferences);
        Assert.DoesNotContain(Feedback, _graph.Closure(Web));
    }

    [Fact]
    public void The_mlflow_client_is_http_and_resilience_only()
    {
        var mlflow = _graph[Mlflow];

        Assert.Equal("Microsoft.NET.Sdk", mlflow.Sdk);
        Assert.Empty(mlflow.Frameworks);
        Assert.Subset(new HashSet<string> { "Microsoft.Extensions.Http.Resilience" }, mlflow.Packages.ToHashSet());
    }

    [Fact]
    public void Only_the_training_library_brings_the_backbone_package()
    {
        var withBackbone = _graph.Names.Where(name => _graph[name].Packages.Any(MlNetOrBackbone));

        Assert.Equal([Training], withBackbone);
    }

    private static bool MlNetOrBackbone(string package) =>
        package.StartsWith("Microsoft.ML", StringComparison.Ordinal) && package != "Microsoft.ML.OnnxRuntime";
}
