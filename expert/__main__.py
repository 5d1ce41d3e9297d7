"""`python -m expert` runs the command line."""
from expert.cli import main

if __name__ == "__main__":
    main()
