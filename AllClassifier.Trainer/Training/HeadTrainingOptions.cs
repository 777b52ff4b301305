using AllClassifier.Training.Heads;

namespace AllClassifier.Trainer.Training;

/// <summary>How the classifier head is trained on the backbone features (Adam, mini-batches, L2, early stopping).</summary>
public sealed record HeadTrainingOptions
{
    public HeadKind Kind { get; init; } = HeadKind.Softmax;

    /// <summary>
    /// Train both kinds and keep the one with the better validation macro-F1 (then lower validation loss; softmax on a
    /// tie, whose class activation map is exact); <see cref="Kind"/> is then ignored.
    /// </summary>
    public bool ChooseKindByValidation { get; init; }

    public int MaxEpochs { get; init; } = 120;

    public float LearningRate { get; init; } = 0.002f;

    /// <summary>L2 penalty on the weights (not the biases).</summary>
    public float L2 { get; init; } = 3e-2f;

    public int BatchSize { get; init; } = 64;

    /// <summary>Epochs without a better validation score before training stops.</summary>
    public int Patience { get; init; } = 15;

    /// <summary>Hidden units of the <see cref="HeadKind.Mlp"/> head.</summary>
    public int HiddenUnits { get; init; } = 128;

    public int Seed { get; init; } = 42;
}

/// <summary>Feature vectors with their class indices.</summary>
public sealed record LabeledFeatures(IReadOnlyList<float[]> Features, IReadOnlyList<int> Labels)
{
    public int Count => Labels.Count;
}

/// <summary>One epoch of training: mean class-weighted training loss and the validation results after it.</summary>
public sealed record EpochRecord(int Epoch, double TrainLoss, double ValidationLoss, double ValidationAccuracy, double ValidationMacroF1);

public sealed record HeadTrainingResult(AllClassifier.Training.Heads.ClassifierHead Head, IReadOnlyList<EpochRecord> History, int BestEpoch);
