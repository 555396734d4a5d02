import HopscopeCLI
HopscopeCommand.main()
