from fixture_site.server import main

main()
