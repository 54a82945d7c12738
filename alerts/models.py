# Public warnings (预警发布) and CAP 1.2: see issue 6.
