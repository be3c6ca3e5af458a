import sys

from gil_lab_cli import main

sys.exit(main())
