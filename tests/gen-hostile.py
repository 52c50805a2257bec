#!/usr/bin/env python3
"""SCAFFOLD"""
