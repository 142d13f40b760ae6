from bot.adapters.cli import main

main()
