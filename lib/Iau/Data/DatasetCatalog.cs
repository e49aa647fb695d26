namespace Iau.Data;

/// <summary>Every dataset the kit can read, by name.</summary>
public static class DatasetCatalog
{
    private static readonly string[] Cifar100Classes =
    [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ];

    private static readonly Lazy<IReadOnlyList<DatasetInfo>> AllLazy = new(Build);

    /// <summary>
    /// Per-channel standard deviations the authors' code normalises with where they differ from the catalog's
    /// (Lolo1222/IAU data_train_valid.py: CIFAR-10 std (0.2023, 0.1994, 0.2010), a value widely copied from
    /// older CIFAR code; the catalog keeps the measured (0.2470, 0.2435, 0.2616)). Used by the official protocol.
    /// </summary>
    public static IReadOnlyDictionary<string, float[]> AuthorsStd { get; } = new Dictionary<string, float[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["cifar10"] = [0.2023f, 0.1994f, 0.2010f],
    };

    /// <summary>All datasets, in a stable order.</summary>
    public static IReadOnlyList<DatasetInfo> All => AllLazy.Value;

    /// <summary>The dataset of that name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static DatasetInfo Get(string name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException(
            $"Unknown dataset '{name}'. Known: {string.Join(", ", All.Select(d => d.Name))}.", nameof(name));

    private static IReadOnlyList<DatasetInfo> Build() =>
    [
        new(
            "fashion-mnist", "Fashion-MNIST", DatasetFormat.Idx, [1, 28, 28],
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            [0.2860f], [0.3530f], 1f / 255, ["/usr/share/datasets/fashion-mnist"], "dataset-fashion-mnist",
            "https://github.com/zalandoresearch/fashion-mnist", "MIT", Manifest.For("fashion-mnist")),
        new(
            "mnist", "MNIST", DatasetFormat.Idx, [1, 28, 28],
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            [0.1307f], [0.3081f], 1f / 255, [], null,
            "http://yann.lecun.com/exdb/mnist/", "CC BY-SA 3.0", Manifest.For("mnist")),
        new(
            "cifar10", "CIFAR-10", DatasetFormat.Cifar10Binary, [3, 32, 32],
            ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
            [0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f], 1f / 255, [], null,
            "https://www.cs.toronto.edu/~kriz/cifar.html", "no licence stated (free for research)", Manifest.For("cifar10")),
        new(
            "cifar100", "CIFAR-100", DatasetFormat.Cifar100Binary, [3, 32, 32], Cifar100Classes,
            [0.5071f, 0.4865f, 0.4409f], [0.2673f, 0.2564f, 0.2762f], 1f / 255, [], null,
            "https://www.cs.toronto.edu/~kriz/cifar.html", "no licence stated (free for research)", Manifest.For("cifar100")),
        new(
            "svhn", "SVHN (cropped digits)", DatasetFormat.SvhnMat, [3, 32, 32],
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            [0.4377f, 0.4438f, 0.4728f], [0.1980f, 0.2010f, 0.1970f], 1f / 255, [], null,
            "http://ufldl.stanford.edu/housenumbers/", "non-commercial use only", Manifest.For("svhn")),
        new(
            "purchase100", "Purchase100 (Shokri et al. 2017)", DatasetFormat.Purchase100Text, [600],
            Enumerable.Range(0, 100).Select(i => $"cluster {i}").ToArray(),
            [0f], [1f], 1f, [], null,
            "https://www.kaggle.com/c/acquire-valued-shoppers-challenge", "Kaggle competition data (research use)",
            Manifest.For("purchase100")),
    ];
}
