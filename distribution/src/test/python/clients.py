"""Real clients for the real-Envoy tests: the official OpenAI and Anthropic Python SDKs.

Usage: python clients.py SCENARIO BASE_URL [ARG]. Prints one JSON object: what the SDK returned,
or {"error": {"status": ..., "body": ...}} when it raised an API error.
"""
import json
import os
import sys

import anthropic
import openai


def openai_client(base):
    return openai.OpenAI(base_url=base + "/v1", api_key=os.environ.get("TOLLGATE_CLIENT_KEY", "sk-client"), max_retries=0, timeout=60)


def anthropic_client(base):
    return anthropic.Anthropic(base_url=base, api_key=os.environ.get("TOLLGATE_CLIENT_KEY", "ak-client"), max_retries=0, timeout=60)


MESSAGES = [{"role": "user", "content": "Say hello"}]


def chat(base, model):
    r = openai_client(base).chat.completions.create(model=model, messages=MESSAGES)
    return {"id": r.id, "model": r.model, "content": r.choices[0].message.content,
            "finish_reason": r.choices[0].finish_reason, "usage": r.usage.model_dump()}


def chat_stream(base, model):
    content, usage, chunks = "", None, 0
    with openai_client(base).chat.completions.create(
            model=model, messages=MESSAGES, stream=True, stream_options={"include_usage": True}) as stream:
        for chunk in stream:
            chunks += 1
            if chunk.choices and chunk.choices[0].delta.content:
                content += chunk.choices[0].delta.content
            if chunk.usage:
                usage = chunk.usage.model_dump()
    return {"content": content, "usage": usage, "chunks": chunks}


def chat_tools(base, model):
    tools = [{"type": "function", "function": {
        "name": "get_weather", "description": "weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
    r = openai_client(base).chat.completions.create(model=model, messages=MESSAGES, tools=tools)
    call = r.choices[0].message.tool_calls[0]
    return {"finish_reason": r.choices[0].finish_reason, "name": call.function.name,
            "arguments": json.loads(call.function.arguments), "id": call.id}


def embeddings(base, model):
    r = openai_client(base).embeddings.create(model=model, input=["hello", "world"])
    return {"count": len(r.data), "dims": len(r.data[0].embedding), "usage": r.usage.model_dump()}


def chat_disconnect(base, model):
    """Reads the first chunk of a stream, then closes the connection."""
    stream = openai_client(base).chat.completions.create(model=model, messages=MESSAGES, stream=True)
    first = next(iter(stream))
    stream.close()
    return {"first": first.choices[0].delta.content if first.choices else None}


def big_prompt(base, model, size):
    """A chat request whose prompt is SIZE bytes."""
    r = openai_client(base).chat.completions.create(
        model=model, messages=[{"role": "user", "content": "x" * int(size)}])
    return {"content_length": len(r.choices[0].message.content or ""), "usage": r.usage.model_dump()}


def messages(base, model):
    r = anthropic_client(base).messages.create(model=model, max_tokens=64, messages=MESSAGES)
    return {"id": r.id, "text": "".join(b.text for b in r.content if b.type == "text"),
            "stop_reason": r.stop_reason, "usage": {"input_tokens": r.usage.input_tokens,
                                                    "output_tokens": r.usage.output_tokens}}


def messages_stream(base, model):
    text, events = "", []
    with anthropic_client(base).messages.stream(model=model, max_tokens=64, messages=MESSAGES) as stream:
        for event in stream:
            events.append(event.type)
        final = stream.get_final_message()
    text = "".join(b.text for b in final.content if b.type == "text")
    return {"text": text, "events": sorted(set(events)), "stop_reason": final.stop_reason,
            "output_tokens": final.usage.output_tokens}


SCENARIOS = {f.__name__: f for f in
             [chat, chat_stream, chat_tools, embeddings, chat_disconnect, big_prompt, messages, messages_stream]}


def main():
    scenario, base, *args = sys.argv[1:]
    try:
        out = SCENARIOS[scenario](base, *args)
    except (openai.APIStatusError, anthropic.APIStatusError) as e:
        body = e.body if isinstance(e.body, (dict, list)) else str(e.body)
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            body = body["error"]  # OpenAI's and Anthropic's error objects, whichever way the SDK hands them over
        headers = {k: v for k, v in e.response.headers.items()
                   if k.lower().startswith("x-ratelimit-") or k.lower() == "retry-after"}
        out = {"error": {"status": e.status_code, "body": body, "type": type(e).__name__, "headers": headers}}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
