from korset.cli import main

raise SystemExit(main())
