package io.atende.support;

/** An exception whose HTTP answer is decided where it is thrown; {@link HttpProblem#of} renders it. */
public interface HttpFailure {

    HttpProblem problem();
}
