// HopscopeCLI module.
