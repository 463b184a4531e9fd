import sys

from authenticity.cli import main

sys.exit(main())
