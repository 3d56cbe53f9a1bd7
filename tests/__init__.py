"""The skdnn test suite, a package so its modules share ``tests._helpers``."""
