package tagjson_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/session/tagjson"
)

func Example() {
	session := map[string]any{
		"user_id":   42,
		"name":      "Zoë",
		"_flashes":  []any{tagjson.Tuple{"message", "Welcome!"}},
		"last_seen": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		" t":        "a key that looks like a tag",
	}
	b, err := tagjson.Marshal(session)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))

	back, err := tagjson.UnmarshalMap(b)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%T %v\n", back["user_id"], back["user_id"])
	fmt.Printf("%T %v\n", back["_flashes"].([]any)[0], back["_flashes"].([]any)[0])
	fmt.Println(back["last_seen"].(time.Time).Format(time.RFC3339))
	// Output:
	// {" t":"a key that looks like a tag","_flashes":[{" t":["message","Welcome!"]}],"last_seen":{" d":"Tue, 02 Jan 2024 03:04:05 GMT"},"name":"Zo\u00eb","user_id":42}
	// int64 42
	// tagjson.Tuple [message Welcome!]
	// 2024-01-02T03:04:05Z
}

func ExampleUnmarshalMap() {
	// A session Flask wrote for {" t": (1, 2)}: a dict whose only key is a
	// tag key is escaped with " di", and the tuple is tagged.
	m, err := tagjson.UnmarshalMap([]byte(`{" di":{" t__":{" t":[1,2]}}}`))
	fmt.Printf("%#v %v\n", m, err)

	// Flask reads a date it cannot parse as None, and fails (HTTP 500)
	// on bytes that are not base64.
	m, err = tagjson.UnmarshalMap([]byte(`{"x":{" d":"not a date"}}`))
	fmt.Printf("%#v %v\n", m, err)
	_, err = tagjson.UnmarshalMap([]byte(`{" b":"not base64!"}`))
	fmt.Println(errors.Is(err, tagjson.ErrBadTag), err)
	// Output:
	// map[string]interface {}{" t":tagjson.Tuple{1, 2}} <nil>
	// map[string]interface {}{"x":interface {}(nil)} <nil>
	// true tagjson: tagged value " b": payload is not base64: one data character more than a multiple of 4 at offset 0
}

// temperature is stored as {" c": degrees}.
type temperature float64

type tempTag struct{}

func (tempTag) Key() string               { return " c" }
func (tempTag) Check(v any) bool          { _, ok := v.(temperature); return ok }
func (tempTag) ToJSON(v any) (any, error) { return float64(v.(temperature)), nil }
func (tempTag) ToGo(v any) (any, error) {
	f, ok := v.(float64)
	if !ok {
		return nil, errors.New("not a float")
	}
	return temperature(f), nil
}

func ExampleSerializer_Register() {
	s := tagjson.NewSerializer()
	if err := s.Register(tempTag{}); err != nil {
		panic(err)
	}
	b, _ := s.Marshal(map[string]any{"temp": temperature(21.5)})
	fmt.Println(string(b))
	v, _ := s.UnmarshalMap(b)
	fmt.Printf("%T %v\n", v["temp"], v["temp"])

	err := s.Register(tempTag{})
	fmt.Println(err)
	// Output:
	// {"temp":{" c":21.5}}
	// tagjson_test.temperature 21.5
	// tagjson: tag " c" is already registered: tagjson: tag already registered
}
