from ketapath.cli import main

main()
