//go:build !linux

package main

import "syscall"

// serverSysProcAttr: elsewhere the deferred kill and the signal handler are
// all there is.
func serverSysProcAttr() *syscall.SysProcAttr { return nil }
