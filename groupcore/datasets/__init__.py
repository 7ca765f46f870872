"""Dataset loaders (IDX, npz, CIFAR-10 binary, SVHN .mat), the embedded default digits and rotated sets."""
