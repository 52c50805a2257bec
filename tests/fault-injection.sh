#!/bin/sh
# SCAFFOLD
exit 77
