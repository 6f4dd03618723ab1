"""The offline engine: synthesize a stack under Pulumi's mocks, run a policy pack over
Pulumi's analyzer protocol, and report. No Pulumi CLI and no cloud credentials needed."""
