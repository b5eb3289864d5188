//go:build !linux

package main

import "syscall"

// workerAttr: without a parent-death signal, a worker ends when its
// stdin from the parent closes (workIfAsked).
func workerAttr() *syscall.SysProcAttr { return nil }
