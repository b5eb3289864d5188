package main

import "syscall"

// workerAttr makes a worker die with the parent (SIGKILL when the thread
// that started it ends: startLocked keeps it while the worker runs).
func workerAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
