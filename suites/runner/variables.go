package runner

import (
	"flag"
	"fmt"
	"strings"

	"github.com/echospec/echospec/suites/settings"
)

// The variables the runner's own code names, from the table of settings
// (suites/settings), where each is declared.
var (
	EnvStrict           = settings.Strict.Env
	EnvPIDFile          = settings.PIDFile.Env
	EnvExpectedFailures = settings.ExpectedFailures.Env
	EnvEngines          = settings.Engines.Env
	EnvTargetCmd        = settings.TargetCmd.Env
	EnvTargetName       = settings.TargetName.Env
	EnvTargetAddr       = settings.TargetAddr.Env
	EnvToxiproxy        = settings.Toxiproxy.Env
	EnvProfile          = settings.TargetProfile.Env
	EnvTargetHost       = settings.TargetHost.Env
	EnvNetwork          = settings.Network.Env
	EnvProtocol         = settings.Protocol.Env
	EnvReportDir        = settings.ReportDir.Env
	EnvExplore          = settings.Explore.Env
	EnvReplay           = settings.Replay.Env
)

// Flags registers on fs the test binary's flags (the door
// settings.Suite): every setting it takes, under its name and its
// aliases, each described by its meaning and variable. It returns the
// lookup that Setup.Get wants: a flag that is set wins over its variable,
// read through getenv (os.Getenv).
func Flags(fs *flag.FlagSet, getenv func(string) string) func(string) string {
	vals := map[string]*flagValue{}
	for _, s := range settings.In(settings.Suite) {
		v := &flagValue{bool: s.Type == settings.Bool}
		vals[s.Env] = v
		usage := plain(s.Meaning) + " (" + s.Env + ")"
		for i, name := range s.Names() {
			if i > 0 {
				usage = "the former name of --" + s.Flag
			}
			fs.Var(v, name, usage)
		}
	}
	return func(env string) string {
		if v := vals[env]; v != nil && v.set {
			return v.s
		}
		return getenv(env)
	}
}

// flagValue is a setting's flag: a string that knows whether it was set;
// a Bool setting's flag given alone is 1.
type flagValue struct {
	s         string
	set, bool bool
}

func (v *flagValue) String() string { return v.s }

func (v *flagValue) Set(s string) error {
	if v.bool {
		if _, err := settings.ParseBool(s); err != nil {
			return err
		}
	}
	v.s, v.set = s, true
	return nil
}

func (v *flagValue) IsBoolFlag() bool { return v.bool }

// plain is a meaning without its Markdown code marks, for a flag's usage.
func plain(s string) string { return strings.ReplaceAll(s, "`", "") }

// checkTypes checks the syntax every setting of type Bool, Int or
// Duration has, whatever reads it.
func checkTypes(get func(string) string) error {
	for _, s := range settings.In(settings.Suite) {
		v := strings.TrimSpace(get(s.Env))
		if err := s.Check(v); err != nil {
			return fmt.Errorf("%s=%q: %w", s.Env, v, err)
		}
	}
	return nil
}
