package cli

import (
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/virtualspaces/vsauth/server/httpserver"
)

var limitDurationFlags = []string{"read-header-timeout", "read-timeout", "write-timeout", "idle-timeout"}

// addLimitFlags adds the flags of the server's connection limits, bound to
// VSAUTH_<FLAG> like the others.
func addLimitFlags(cmd *cobra.Command, v *viper.Viper) {
	f := cmd.Flags()
	f.Duration("read-header-timeout", httpserver.DefaultReadHeaderTimeout, "time allowed to read a request's headers")
	f.Duration("read-timeout", httpserver.DefaultReadTimeout, "time allowed to read a whole request, body included")
	f.Duration("write-timeout", httpserver.DefaultWriteTimeout, "time allowed from the end of a request's headers to the end of its answer")
	f.Duration("idle-timeout", httpserver.DefaultIdleTimeout, "how long a keep-alive connection may wait for its next request")
	f.Int("max-header-bytes", httpserver.DefaultMaxHeaderBytes, "largest request line and headers; more is answered 431")
	f.Int("max-conns", 0, "most client connections open at once; at the cap the longest idle one is closed for a new client, "+
		"which waits only while all are busy (0: half the open-file limit less 64, at most 4096)")
	for _, name := range append(limitDurationFlags, "max-header-bytes", "max-conns") {
		_ = v.BindPFlag(name, f.Lookup(name))
		_ = v.BindEnv(name, envName(name))
	}
}

// positiveDuration parses the setting itself: viper would read a mistyped
// environment value as 0, and a number without a unit as nanoseconds.
func positiveDuration(v *viper.Viper, name string) (time.Duration, error) {
	s := v.GetString(name)
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usageErrorf("--%s must be a positive duration such as 30s, not %q", name, s)
	}
	return d, nil
}

func readLimits(v *viper.Viper) (httpserver.Limits, error) {
	var d [4]time.Duration
	for i, name := range limitDurationFlags {
		var err error
		if d[i], err = positiveDuration(v, name); err != nil {
			return httpserver.Limits{}, err
		}
	}
	headerBytes, err := strconv.Atoi(v.GetString("max-header-bytes"))
	if err != nil || headerBytes < 1024 {
		return httpserver.Limits{}, usageErrorf("--max-header-bytes must be a number of bytes, at least 1024, not %q", v.GetString("max-header-bytes"))
	}
	conns, err := strconv.Atoi(v.GetString("max-conns"))
	if err != nil || conns < 0 {
		return httpserver.Limits{}, usageErrorf("--max-conns must be a positive number, or 0 for the default, not %q", v.GetString("max-conns"))
	}
	return httpserver.Limits{ReadHeaderTimeout: d[0], ReadTimeout: d[1], WriteTimeout: d[2], IdleTimeout: d[3],
		MaxHeaderBytes: headerBytes, MaxConns: conns}, nil
}
