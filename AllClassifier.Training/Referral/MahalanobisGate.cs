using System.Numerics.Tensors;

namespace AllClassifier.Training.Referral;

/// <summary>
/// The out-of-distribution score of the referral gate: the smallest squared Mahalanobis distance from an image's
/// features to the class means under one covariance shared by the classes (Lee et al., 2018), shrunk towards a scaled
/// identity by the oracle-approximating shrinkage estimate (Chen et al., 2010) so that 1,024 dimensions are well
/// conditioned from a few thousand images. Stored as the whitening <see cref="Whitening"/> = L⁻¹ of the Cholesky factor
/// of that covariance, so a distance is ‖L⁻¹(x − <see cref="Center"/>) − <see cref="ClassCentres"/>[c]‖²: a matrix
/// product the composer puts into the served ONNX graph.
/// </summary>
/// <param name="Whitening">[features, features] row-major, lower triangular.</param>
/// <param name="Center">The mean of all training vectors; subtracting it first keeps the in-graph expansion exact in float.</param>
/// <param name="ClassCentres">[classes, features] row-major: each class mean, centred and whitened.</param>
public sealed record MahalanobisGate(int FeatureCount, int ClassCount, float[] Center, float[] Whitening, float[] ClassCentres, double Shrinkage, int FittedOn)
{
    private const int Magic = 0x4D484C47; // "GLHM"
    private const int RowBlock = 32;

    /// <summary>
    /// A gate with no covariance and every class mean at the origin (the score is the squared length of the features):
    /// for composed test and benchmark models, whose heads are not fitted on data either.
    /// </summary>
    public static MahalanobisGate Euclidean(int featureCount, int classCount)
    {
        var whitening = new float[featureCount * featureCount];
        for (var d = 0; d < featureCount; d++)
        {
            whitening[(d * featureCount) + d] = 1;
        }

        return new MahalanobisGate(featureCount, classCount, new float[featureCount], whitening, new float[classCount * featureCount], 0, 0);
    }

    /// <summary>The gate's score of one feature vector (about a million multiply-adds).</summary>
    public double Score(ReadOnlySpan<float> features)
    {
        if (features.Length != FeatureCount)
        {
            throw new ArgumentException($"Expected {FeatureCount} features, got {features.Length}.", nameof(features));
        }

        var centred = new float[FeatureCount];
        TensorPrimitives.Subtract(features, Center, centred);
        var whitened = new float[FeatureCount];
        for (var row = 0; row < FeatureCount; row++)
        {
            // Lower triangular: only the first row + 1 columns are non-zero.
            whitened[row] = TensorPrimitives.Dot(Whitening.AsSpan(row * FeatureCount, row + 1), centred.AsSpan(0, row + 1));
        }

        var best = double.PositiveInfinity;
        var difference = new float[FeatureCount];
        for (var c = 0; c < ClassCount; c++)
        {
            TensorPrimitives.Subtract(whitened, ClassCentres.AsSpan(c * FeatureCount, FeatureCount), difference);
            best = Math.Min(best, TensorPrimitives.Dot(difference, difference));
        }

        return best;
    }

    /// <summary>
    /// Fits class means and the shared OAS-shrunk covariance on <paramref name="features"/> (every training vector,
    /// augmented copies included: they are in-distribution by construction).
    /// </summary>
    public static MahalanobisGate Fit(IReadOnlyList<float[]> features, IReadOnlyList<int> labels, int classCount)
    {
        if (features.Count != labels.Count || features.Count < 2)
        {
            throw new ArgumentException("The gate needs at least two labelled feature vectors.", nameof(features));
        }

        var dimension = features[0].Length;
        var count = features.Count;
        var classMeans = new double[classCount][];
        var classCounts = new int[classCount];
        var center = new double[dimension];
        for (var c = 0; c < classCount; c++)
        {
            classMeans[c] = new double[dimension];
        }

        for (var i = 0; i < count; i++)
        {
            var vector = features[i];
            var mean = classMeans[labels[i]];
            classCounts[labels[i]]++;
            for (var d = 0; d < dimension; d++)
            {
                mean[d] += vector[d];
                center[d] += vector[d];
            }
        }

        for (var c = 0; c < classCount; c++)
        {
            if (classCounts[c] > 0)
            {
                TensorPrimitives.Divide(classMeans[c], classCounts[c], classMeans[c]);
            }
        }

        TensorPrimitives.Divide(center, count, center);

        // Residuals from each vector's own class mean: the shared (within-class) covariance.
        var residuals = new double[count][];
        for (var i = 0; i < count; i++)
        {
            var residual = new double[dimension];
            var mean = classMeans[labels[i]];
            for (var d = 0; d < dimension; d++)
            {
                residual[d] = features[i][d] - mean[d];
            }

            residuals[i] = residual;
        }

        var covariance = Covariance(residuals, dimension);
        var shrinkage = OasShrinkage(covariance, dimension, count);
        var scaledTrace = 0.0;
        for (var d = 0; d < dimension; d++)
        {
            scaledTrace += covariance[(d * dimension) + d];
        }

        scaledTrace /= dimension;
        TensorPrimitives.Multiply(covariance, 1 - shrinkage, covariance);
        for (var d = 0; d < dimension; d++)
        {
            covariance[(d * dimension) + d] += shrinkage * scaledTrace;
        }

        CholeskyInPlace(covariance, dimension);
        var whitening = InvertLowerTriangular(covariance, dimension);
        var centres = new float[classCount * dimension];
        var shifted = new double[dimension];
        for (var c = 0; c < classCount; c++)
        {
            TensorPrimitives.Subtract(classMeans[c], center, shifted);
            for (var row = 0; row < dimension; row++)
            {
                centres[(c * dimension) + row] = (float)TensorPrimitives.Dot(whitening.AsSpan(row * dimension, row + 1), shifted.AsSpan(0, row + 1));
            }
        }

        return new MahalanobisGate(
            dimension,
            classCount,
            [.. center.Select(value => (float)value)],
            [.. whitening.Select(value => (float)value)],
            centres,
            shrinkage,
            count);
    }

    public void Save(string path)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(Magic);
        writer.Write(FeatureCount);
        writer.Write(ClassCount);
        writer.Write(Shrinkage);
        writer.Write(FittedOn);
        foreach (var values in new[] { Center, Whitening, ClassCentres })
        {
            writer.Write(values.Length);
            foreach (var value in values)
            {
                writer.Write(value);
            }
        }
    }

    public static MahalanobisGate Load(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        if (reader.ReadInt32() != Magic)
        {
            throw new InvalidDataException($"'{path}' is not a referral gate file.");
        }

        var (features, classes, shrinkage, fittedOn) = (reader.ReadInt32(), reader.ReadInt32(), reader.ReadDouble(), reader.ReadInt32());
        float[] Read(int expected)
        {
            var length = reader.ReadInt32();
            if (length != expected)
            {
                throw new InvalidDataException($"'{path}' holds {length} values where {expected} belong.");
            }

            var values = new float[length];
            for (var i = 0; i < length; i++)
            {
                values[i] = reader.ReadSingle();
            }

            return values;
        }

        return new MahalanobisGate(features, classes, Read(features), Read(features * features), Read(classes * features), shrinkage, fittedOn);
    }

    /// <summary>(1/n) Σ r rᵀ, full symmetric, computed in blocks of rows so each block stays in cache over the samples.</summary>
    private static double[] Covariance(double[][] residuals, int dimension)
    {
        var covariance = new double[dimension * dimension];
        var blocks = (dimension + RowBlock - 1) / RowBlock;
        Parallel.For(0, blocks, block =>
        {
            var first = block * RowBlock;
            var last = Math.Min(dimension, first + RowBlock);
            foreach (var residual in residuals)
            {
                for (var row = first; row < last; row++)
                {
                    // Upper triangle only (columns from the row on); mirrored below.
                    var target = covariance.AsSpan((row * dimension) + row, dimension - row);
                    TensorPrimitives.MultiplyAdd(residual.AsSpan(row), residual[row], target, target);
                }
            }
        });

        var count = residuals.Length;
        for (var row = 0; row < dimension; row++)
        {
            for (var column = row; column < dimension; column++)
            {
                var value = covariance[(row * dimension) + column] / count;
                covariance[(row * dimension) + column] = value;
                covariance[(column * dimension) + row] = value;
            }
        }

        return covariance;
    }

    /// <summary>The oracle-approximating shrinkage weight of a sample covariance from <paramref name="count"/> samples.</summary>
    private static double OasShrinkage(double[] covariance, int dimension, int count)
    {
        double trace = 0;
        for (var d = 0; d < dimension; d++)
        {
            trace += covariance[(d * dimension) + d];
        }

        var traceOfSquare = TensorPrimitives.Dot(covariance, covariance);
        double p = dimension;
        var numerator = ((1 - (2 / p)) * traceOfSquare) + (trace * trace);
        var denominator = (count + 1 - (2 / p)) * (traceOfSquare - (trace * trace / p));
        return denominator <= 0 ? 1 : Math.Clamp(numerator / denominator, 0, 1);
    }

    /// <summary>Overwrites the lower triangle of a symmetric positive definite matrix with its Cholesky factor.</summary>
    private static void CholeskyInPlace(double[] matrix, int n)
    {
        for (var j = 0; j < n; j++)
        {
            var rowJ = matrix.AsSpan(j * n, j);
            var diagonal = matrix[(j * n) + j] - TensorPrimitives.Dot(rowJ, rowJ);
            if (diagonal <= 0)
            {
                throw new InvalidOperationException("The shrunk covariance is not positive definite.");
            }

            var pivot = Math.Sqrt(diagonal);
            matrix[(j * n) + j] = pivot;
            Parallel.For(j + 1, n, i =>
            {
                var rowI = matrix.AsSpan(i * n, j);
                matrix[(i * n) + j] = (matrix[(i * n) + j] - TensorPrimitives.Dot(rowI, matrix.AsSpan(j * n, j))) / pivot;
            });
        }

        for (var i = 0; i < n; i++)
        {
            matrix.AsSpan((i * n) + i + 1, n - i - 1).Clear();
        }
    }

    /// <summary>The inverse of a lower triangular matrix (lower triangular itself), by forward substitution per column.</summary>
    private static double[] InvertLowerTriangular(double[] lower, int n)
    {
        // Built transposed (row c of it is column c of the inverse) so each substitution reads contiguous memory.
        var transposed = new double[n * n];
        Parallel.For(0, n, column =>
        {
            var x = transposed.AsSpan(column * n, n);
            x[column] = 1 / lower[(column * n) + column];
            for (var row = column + 1; row < n; row++)
            {
                var dot = TensorPrimitives.Dot(lower.AsSpan((row * n) + column, row - column), x.Slice(column, row - column));
                x[row] = -dot / lower[(row * n) + row];
            }
        });

        var inverse = new double[n * n];
        for (var row = 0; row < n; row++)
        {
            for (var column = 0; column <= row; column++)
            {
                inverse[(row * n) + column] = transposed[(column * n) + row];
            }
        }

        return inverse;
    }
}
