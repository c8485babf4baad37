package openloop

// Counts accounts for the operations of one kind, in deliveries: a cast or
// a query is one, a publish is one per subscribed agent.
type Counts struct {
	Sent      int64 `json:"sent"`
	Delivered int64 `json:"delivered"` // the agent ran the signal's actions; a query returned
	Errored   int64 `json:"errored"`   // refused (full mailbox) or failed to return; never retried
	Failed    int64 `json:"failed"`    // delivered, but an action of the command returned an error
}

// Conserved reports sent = delivered + errored, exactly.
func (c Counts) Conserved() bool { return c.Sent == c.Delivered+c.Errored }

// Errors is what the error rate counts: refused plus failed.
func (c Counts) Errors() int64 { return c.Errored + c.Failed }

// ErrorRate is Errors / Sent (0 when nothing was sent).
func (c Counts) ErrorRate() float64 {
	if c.Sent == 0 {
		return 0
	}
	return float64(c.Errors()) / float64(c.Sent)
}

// Add adds o's counts to c.
func (c *Counts) Add(o Counts) {
	c.Sent += o.Sent
	c.Delivered += o.Delivered
	c.Errored += o.Errored
	c.Failed += o.Failed
}
