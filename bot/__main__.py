from bot.adapters.cli.app import main

main()
