using AllClassifier.Mlflow;

namespace AllClassifier.Mlflow.Tests;

public sealed class MlflowArtifactUriTests
{
    [Theory]
    [InlineData("mlflow-artifacts:/1/abc/artifacts", "api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts")]
    [InlineData("mlflow-artifacts://mlflow:5000/1/abc/artifacts", "api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts")]
    [InlineData("mlflow-artifacts:/1/abc/artifacts/model dir/a#b.onnx", "api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/model%20dir/a%23b.onnx")]
    public void Maps_proxied_artifact_uris_to_rest_paths(string uri, string expected) =>
        Assert.Equal(expected, MlflowArtifactUri.ToRestPath(uri));

    [Theory]
    [InlineData("s3://bucket/1/abc/artifacts")]
    [InlineData("file:///mlruns/1/abc/artifacts")]
    public void Refuses_artifact_stores_the_server_does_not_proxy(string uri)
    {
        var error = Assert.Throws<NotSupportedException>(() => MlflowArtifactUri.ToRestPath(uri));
        Assert.Contains("--serve-artifacts", error.Message);
    }

    [Fact]
    public void Refuses_parent_segments() =>
        Assert.Throws<ArgumentException>(() => MlflowArtifactUri.ToRestPath("mlflow-artifacts:/1/../../etc"));

    [Fact]
    public void Combines_with_forward_slashes() =>
        Assert.Equal("mlflow-artifacts:/1/r/artifacts/model/model.onnx", MlflowArtifactUri.Combine("mlflow-artifacts:/1/r/artifacts/", "/model/model.onnx"));
}
