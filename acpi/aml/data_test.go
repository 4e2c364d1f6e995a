package aml

import "testing"

// TestConstNameMatchesTerms: the values Load builds straight from the
// AML for constant Names are the ones evaluating the decoded terms
// builds.
func TestConstNameMatchesTerms(t *testing.T) {
	values := [][]byte{
		amlOne, amlByte(0x42), amlString("abc"),
		withLen([]byte{opBuffer}, amlByte(6), []byte{1, 2, 3}),
		amlPackage(3, amlOne, amlString("x"), []byte("_SB_")),
		withLen([]byte{opVarPackage}, amlByte(2), amlOne, amlByte(2), amlByte(3)),
		amlPackage(1, amlPackage(2, amlByte(7))),
	}
	for _, v := range values {
		code := cat(amlName("CNST", v), amlMethod("TERM", 0, amlReturn(v)))
		ns, err := loadOne(t, code, Options{})
		if err != nil {
			t.Fatal(err)
		}
		a, errA := ns.Evaluate(ns.Lookup(`\CNST`))
		b, errB := ns.Evaluate(ns.Lookup(`\TERM`))
		if errA != nil || errB != nil || ObjectString(a) != ObjectString(b) {
			t.Errorf("% x: Name %s (%v), terms %s (%v)", v, ObjectString(a), errA, ObjectString(b), errB)
		}
	}
}
