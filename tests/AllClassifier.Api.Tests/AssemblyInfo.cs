// Every test class hosts the API with a real ONNX session on a small machine: running them one at a time keeps
// timings sane and keeps one host's traffic out of another's metric assertions.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
