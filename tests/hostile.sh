#!/bin/sh
# hostile.sh - SCAFFOLD: filled in by its owner.
exit 77
