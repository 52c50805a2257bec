# postfix-lib.sh - SCAFFOLD: a private Postfix on loopback for the tests.
