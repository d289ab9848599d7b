from bordermonitor.cli import main

main()
