namespace Iau.Evaluation;

/// <summary>Set-ups of the shadow-model membership-inference attack (see <see cref="ShadowAttackOptions"/>).</summary>
public enum MiaPreset
{
    /// <summary>
    /// The kit's CPU-sized attack: the spec's number of shadows (default 1) of the target's architecture, an
    /// attack MLP 2C → 64 → ReLU → 2 logits with softmax cross-entropy (Adam 1e-3, batch 128, 100 epochs).
    /// </summary>
    Quick,

    /// <summary>
    /// The authors' set-up (Lolo1222/IAU generate_mia_data.py and train_mia.py): 3 shadow models, each trained
    /// on one half of its seeded split of the pool and tested against the other half (batch 1024, Adam 1e-3, no
    /// early stopping), and an attack MLP 2C → 256 → 128 → 32 → 1 with ReLU and dropout 0.5 after each hidden
    /// layer, a sigmoid output and binary cross-entropy, Adam lr 0.01, batch 8192, 50 epochs
    /// (<see cref="ShadowAttackOptions.Paper"/>).
    /// </summary>
    Paper,
}
