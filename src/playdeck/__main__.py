from playdeck.cli import main

main()
