package main

import "syscall"

// serverSysProcAttr has the kernel kill the server when the tool dies, even
// by SIGKILL, so no server outlives a run.
func serverSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
