namespace AllClassifier.Web.Tests.Infrastructure;

/// <summary>Bodies in the shape the API answers, and small valid image files.</summary>
public static class ApiSamples
{
    public const string PredictionPre =
        """{"probabilities":[0.05,0.15,0.7,0.1],"predicted_class":2,"class_name":"Pre","model_version":3}""";

    /// <summary><see cref="PredictionPre"/> as <c>/predict?explain=true</c> answers it, with <see cref="TinyPng"/> as overlay.</summary>
    public const string PredictionPreExplained =
        """{"probabilities":[0.05,0.15,0.7,0.1],"predicted_class":2,"class_name":"Pre","model_version":3,"explanation":{"class_index":2,"class_name":"Pre","map":[[0.5]],"overlay_png":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="}}""";

    /// <summary>A prediction as an API with prediction records and a referral gate answers it, not referred.</summary>
    public const string PredictionWithId =
        """{"probabilities":[0.05,0.15,0.7,0.1],"predicted_class":2,"class_name":"Pre","model_version":3,"prediction_id":"01JBX3Q5ZP8V6W4K2M0N7R9T1C","refer":false,"refer_reasons":[],"ood_score":3.5}""";

    /// <summary>A referred prediction: the gate found the image out of focus and unlike the training images.</summary>
    public const string PredictionReferred =
        """{"probabilities":[0.01,0.02,0.96,0.01],"predicted_class":2,"class_name":"Pre","model_version":3,"prediction_id":"01JBX3Q5ZP8V6W4K2M0N7R9T2D","refer":true,"refer_reasons":["out_of_focus","unlike_training_images"],"ood_score":41.2}""";

    public const string ModelCard = """
        {
          "name": "all-classifier",
          "version": 3,
          "run_id": "run-7f3a",
          "created": "2025-03-04T10:20:30+00:00",
          "classes": ["Benign", "Early", "Pre", "Pro"],
          "display_names": ["Benign (hematogones)", "Early Pre-B", "Pre-B", "Pro-B"],
          "head": "mlp",
          "preprocessing": "resize 224",
          "metrics": {
            "accuracy": 0.9375,
            "macro_f1": 0.9312,
            "test_count": 64,
            "mean_latency_ms": 48.2,
            "per_class": [
              {"class": "Benign", "display_name": "Benign (hematogones)", "precision": 1.0, "recall": 0.875, "f1": 0.9333, "support": 16},
              {"class": "Early", "display_name": "Early Pre-B", "precision": 0.9, "recall": 0.95, "f1": 0.9243, "support": 16},
              {"class": "Pre", "display_name": "Pre-B", "precision": 0.88, "recall": 0.94, "f1": 0.909, "support": 16},
              {"class": "Pro", "display_name": "Pro-B", "precision": 0.97, "recall": 0.99, "f1": 0.98, "support": 16}
            ],
            "confusion_matrix": [[14,1,1,0],[0,15,1,0],[0,1,15,0],[0,0,0,16]],
            "calibration": {
              "temperature": 1.8,
              "expected_calibration_error": 0.021,
              "uncalibrated_expected_calibration_error": 0.064,
              "bins": [
                {"lower": 0.5, "upper": 0.6, "count": 0, "mean_confidence": 0, "accuracy": 0},
                {"lower": 0.8, "upper": 0.9, "count": 4, "mean_confidence": 0.85, "accuracy": 0.75},
                {"lower": 0.9, "upper": 1.0, "count": 60, "mean_confidence": 0.97, "accuracy": 0.95}
              ]
            }
          },
          "training_data_hash": "4b1d2c9e8f7a6b5c4d3e2f1a0b9c8d7e",
          "test_split_hash": "abc",
          "parent_version": 2,
          "feedback_high_water_mark": 0,
          "parameters": {"epochs": "40"},
          "class_activation_map": "linear_probe",
          "referral_gate": {"present": true, "method": "mahalanobis_shared_oas_covariance", "ood_threshold": 812.5, "coverage": 0.99, "held_out": 480, "held_out_referral_rate": 0.0083, "test_referral_rate": 0.0125, "test_count": 64, "not_assessable_count": 50, "not_assessable_referral_rate": 0.94}
        }
        """;

    /// <summary><see cref="ModelCard"/> of a model trained before referral gates: it answers every image with a class.</summary>
    public static string ModelCardWithoutGate { get; } = ModelCard.Replace(
        """{"present": true, "method": "mahalanobis_shared_oas_covariance", "ood_threshold": 812.5, "coverage": 0.99, "held_out": 480, "held_out_referral_rate": 0.0083, "test_referral_rate": 0.0125, "test_count": 64, "not_assessable_count": 50, "not_assessable_referral_rate": 0.94}""",
        """{"present": false, "method": "none", "coverage": 0, "absence": "the model card has no referral_gate (trained before referral gates)"}""",
        StringComparison.Ordinal);

    /// <summary>The eight-byte PNG signature followed by a minimal 1×1 image.</summary>
    public static byte[] TinyPng { get; } = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
}
