from procos_tui.cli import main

raise SystemExit(main())
